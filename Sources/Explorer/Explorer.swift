import CCurses
import MPO

/// The terminal explorer (being built).
public enum Explorer {}
