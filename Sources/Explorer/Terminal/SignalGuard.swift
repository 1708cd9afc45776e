import Foundation

/// Restores the terminal on every way out — Ctrl-C, SIGTERM, SIGHUP, crashes — and turns
/// SIGWINCH and SIGINT/SIGTERM/SIGHUP into bytes on the UI's wake pipe, so the app can write
/// its recovery files before it exits. A second Ctrl-C leaves at once; whatever the signal,
/// the orderly way out gets `exitGrace` seconds (SIGALRM), so a closed terminal never leaves
/// the process behind.
///
/// Signal handlers may only touch async-signal-safe things, so everything they need (the wake
/// fd, the reset escape bytes from terminfo, the saved termios) is prepared in globals beforehand.
enum SignalGuard {
    static let wakeWinch: UInt8 = 0x77  // "w"
    static let wakeInterrupt: UInt8 = 0x69  // "i"

    nonisolated(unsafe) static var wakeFD: Int32 = -1
    nonisolated(unsafe) static var resetBytes: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) static var resetCount = 0
    nonisolated(unsafe) static var savedTermios = termios()
    nonisolated(unsafe) static var haveTermios = false
    /// Set while the terminal is in the UI's modes.
    nonisolated(unsafe) static var active: sig_atomic_t = 0
    nonisolated(unsafe) static var interrupts: sig_atomic_t = 0
    /// Set by the crash handler: the UI thread must not draw over the crash report.
    nonisolated(unsafe) static var crashed: sig_atomic_t = 0
    nonisolated(unsafe) static var lastSignal: sig_atomic_t = 0
    nonisolated(unsafe) static var exitHookInstalled = false
    nonisolated(unsafe) static var previousWinch = sigaction()
    nonisolated(unsafe) static var previousCrash = Array<sigaction>(repeating: .init(), count: 65)

    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]
    static let exitGrace: UInt32 = 20
    static let quitSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Processes started from test runners inherit a mask with these blocked; the UI needs them.
    static func unblockSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT] + crashSignals { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Remembers the terminal's own mode (before curses changes it).
    static func saveTermios() {
        haveTermios = tcgetattr(STDIN_FILENO, &savedTermios) == 0
    }

    /// The bytes that leave the UI's modes (alternate screen, mouse, hidden cursor, keypad).
    static func setResetBytes(_ bytes: [UInt8]) {
        resetBytes?.deallocate()
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
        p.initialize(from: bytes, count: bytes.count)
        resetBytes = p
        resetCount = bytes.count
    }

    /// Async-signal-safe: writes the reset bytes and puts back the saved termios.
    static func restoreTerminal() {
        guard active != 0 else { return }
        active = 0
        if let p = resetBytes { _ = write(STDOUT_FILENO, p, resetCount) }
        if haveTermios { _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedTermios) }
    }

    static func install(wakeFD fd: Int32) {
        wakeFD = fd
        interrupts = 0
        var quit = sigaction()
        quit.__sigaction_handler.sa_handler = { sig in
            SignalGuard.lastSignal = sig
            SignalGuard.interrupts += 1
            if SignalGuard.interrupts >= 2 && sig == SIGINT {
                // Ctrl-C again: the user does not want to wait for the way out
                SignalGuard.restoreTerminal()
                _exit(128 + sig)
            }
            if SignalGuard.interrupts == 1 { alarm(SignalGuard.exitGrace) }
            var b = SignalGuard.wakeInterrupt
            _ = write(SignalGuard.wakeFD, &b, 1)
        }
        sigemptyset(&quit.sa_mask)
        quit.sa_flags = Int32(SA_RESTART)
        for s in quitSignals { sigaction(s, &quit, nil) }

        // The grace period ran out (the way out hung): leave, with the terminal restored.
        var late = sigaction()
        late.__sigaction_handler.sa_handler = { _ in
            SignalGuard.restoreTerminal()
            _exit(128 + (SignalGuard.lastSignal == 0 ? SIGALRM : SignalGuard.lastSignal))
        }
        sigemptyset(&late.sa_mask)
        sigaction(SIGALRM, &late, nil)

        // curses' own SIGWINCH handler (if any) is chained so KEY_RESIZE still arrives.
        var winch = sigaction()
        winch.__sigaction_handler.sa_handler = { sig in
            let previous = SignalGuard.previousWinch.__sigaction_handler.sa_handler
            if let previous, unsafeBitCast(previous, to: Int.self) > 1 { previous(sig) }
            var b = SignalGuard.wakeWinch
            _ = write(SignalGuard.wakeFD, &b, 1)
        }
        sigemptyset(&winch.sa_mask)
        winch.sa_flags = Int32(SA_RESTART)
        sigaction(SIGWINCH, &winch, &previousWinch)

        var crash = sigaction()
        crash.__sigaction_handler.sa_sigaction = { sig, info, context in
            SignalGuard.crashed = 1
            SignalGuard.restoreTerminal()
            // hand over to what was there before (the Swift runtime's crash reporter, or nothing)
            var previous = SignalGuard.previousCrash[Int(sig)]
            sigaction(sig, &previous, nil)
            if previous.sa_flags & Int32(SA_SIGINFO) != 0, let report = previous.__sigaction_handler.sa_sigaction {
                report(sig, info, context)
            } else if let handler = previous.__sigaction_handler.sa_handler, unsafeBitCast(handler, to: Int.self) > 1 {
                handler(sig)
            }
            signal(sig, SIG_DFL)
            // A fault repeats when the handler returns and now ends the process; a signal sent by
            // kill() or abort() (si_code <= 0) would not, so send it again.
            if (info?.pointee.si_code ?? 0) <= 0 { raise(sig) }
        }
        sigemptyset(&crash.sa_mask)
        crash.sa_flags = Int32(SA_SIGINFO)
        for s in crashSignals { sigaction(s, &crash, &previousCrash[Int(s)]) }

        if !exitHookInstalled {
            exitHookInstalled = true
            atexit { SignalGuard.restoreTerminal() }
        }
    }

    /// Puts the crash and quit signals back as they were (after a normal shutdown).
    static func uninstall() {
        for s in crashSignals { sigaction(s, &previousCrash[Int(s)], nil) }
        var dfl = sigaction()
        dfl.__sigaction_handler.sa_handler = SIG_DFL
        sigaction(SIGALRM, &dfl, nil)
        // After a quit signal the app is on its way out, writing recovery files: the hang-ups a
        // closed terminal keeps sending must not cut that short (the alarm still ends it).
        if interrupts > 0 { dfl.__sigaction_handler.sa_handler = SIG_IGN }
        for s in quitSignals { sigaction(s, &dfl, nil) }
        sigaction(SIGWINCH, &previousWinch, nil)
        wakeFD = -1
    }
}
