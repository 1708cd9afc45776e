"""Where files go, as `mpo` decides it (Sources/MPO/ProjectFolders.swift, SafeName.swift,
Engine/Formats/AtomicFile.swift): the project folder ($LOSSPATTERNS_HOME, else the current folder
or the nearest ancestor with a Patterns/ folder), plain save names into Checkpoints/, atomic
writes that never follow a link."""
from __future__ import annotations

import os
import re
import stat
import tempfile


class FileError(ValueError):
    pass


def project_root() -> str:
    home = os.environ.get("LOSSPATTERNS_HOME")
    if home:
        return home
    d = os.path.abspath(os.getcwd())
    while True:
        if os.path.isdir(os.path.join(d, "Patterns")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.getcwd()
        d = parent


def patterns_folder() -> str:
    return os.path.join(project_root(), "Patterns")


def checkpoints_folder() -> str:
    return os.path.join(project_root(), "Checkpoints")


def safe_path(name: str, ext: str, folder: str) -> str:
    stem = name.strip()
    if stem.endswith("." + ext):
        stem = stem[: -len(ext) - 1]
    if not stem:
        raise FileError(f"{name}: a name is needed")
    if len(stem) > 80:
        raise FileError(f"{name}: name longer than 80 characters")
    if "/" in stem or "\\" in stem:
        raise FileError(f"{name}: names cannot contain / or \\ — files stay in {folder}")
    if ".." in stem or stem.startswith(".") or stem.startswith("-"):
        raise FileError(f"{name}: names cannot start with . or - or contain ..")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", stem):
        raise FileError(f"{name}: use letters, digits, -, _ and . only")
    path = os.path.join(folder, stem + "." + ext)
    if os.path.islink(path):
        raise FileError(f"{path}: is a symbolic link; refusing to write through it")
    if os.path.islink(os.path.normpath(folder)):
        raise FileError(f"{folder}: is a symbolic link; refusing to write there")
    return path


def save_path(save: str) -> str:
    """`--save`: a plain name is Checkpoints/NAME.safetensors of the project folder; a path with a
    slash is used as given."""
    if "/" in save:
        return save
    folder = checkpoints_folder()
    if os.path.islink(os.path.normpath(folder)):
        raise FileError(f"{folder}: is a symbolic link; refusing to write there")
    os.makedirs(folder, exist_ok=True)
    return safe_path(save, "safetensors", folder)


def resume_path(resume: str) -> str:
    """A checkpoint named on the command line: the path as given if it exists, else one in Checkpoints/."""
    if "/" in resume or os.path.exists(resume):
        return resume
    stem = resume[:-12] if resume.endswith(".safetensors") else resume
    p = os.path.join(checkpoints_folder(), stem + ".safetensors")
    return p if os.path.exists(p) else resume


def atomic_write(data: bytes, path: str) -> None:
    """Temporary file created exclusively beside the target, fsync, rename; a link at the target is
    refused (rename would replace the link itself, but a link there means someone planted it)."""
    if os.path.islink(path):
        raise FileError(f"{path}: is a symbolic link; refusing to write through it")
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def load_pattern(name_or_path: str):
    from .pattern import PatternError, read_pbm
    if "/" in name_or_path or name_or_path.endswith(".pbm") or os.path.exists(name_or_path):
        return read_pbm(name_or_path)
    shipped = os.path.join(patterns_folder(), name_or_path + ".pbm")
    if os.path.exists(shipped):
        return read_pbm(shipped)
    known = sorted(f[:-4] for f in os.listdir(patterns_folder()) if f.endswith(".pbm")) if os.path.isdir(patterns_folder()) else []
    raise PatternError(f'no pattern file "{name_or_path}" and no shipped pattern of that name'
                       + (f" (shipped: {', '.join(known)})" if known else " (no Patterns/ folder here: give a .pbm path)"))
