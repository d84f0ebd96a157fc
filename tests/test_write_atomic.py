"""`source.write_atomic`, the writer behind `--fix` and `--output-file`: a read-only file is refused,
owner, group and mode are kept (or the file is refused), hard links all see the new text, and no
temporary file outlives a run, not even one that was killed."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from cli_runner import loadlint

import loadlint as package
from loadlint.source import WriteRefused, write_atomic

ROOT = os.name == "posix" and os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="giving a file another owner needs root")
OTHER_UID, OTHER_GID = 4321, 4322


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def make(folder: Path, name: str = "app.py", data: bytes = b"old text\n", mode: int = 0o644) -> Path:
    path = folder / name
    path.write_bytes(data)
    path.chmod(mode)
    return path


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


# Read-only files


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555], ids=oct)
def test_read_only_file_is_refused_and_left_as_it_was(tmp_path: Path, mode: int) -> None:
    path = make(tmp_path, mode=mode)
    with pytest.raises(WriteRefused) as caught:
        write_atomic(str(path), b"new text\n")
    assert caught.value.strerror == (
        f"the file is read-only (mode {mode:04o}); make it writable to let loadlint fix it"
    )
    assert isinstance(caught.value, OSError)
    assert path.read_bytes() == b"old text\n" and stat.S_IMODE(path.stat().st_mode) == mode
    assert names(tmp_path) == ["app.py"]


def test_read_only_target_of_a_symlink_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path, mode=0o444)
    (tmp_path / "link.py").symlink_to(path)
    with pytest.raises(WriteRefused):
        write_atomic(str(tmp_path / "link.py"), b"new text\n")
    assert path.read_bytes() == b"old text\n" and (tmp_path / "link.py").is_symlink()


def as_user(monkeypatch: pytest.MonkeyPatch, path: Path, *, owner: bool, in_group: bool, kernel: bool = True) -> None:
    """Make loadlint see itself as a non-root user who does (not) own `path` and is (not) in its group;
    `kernel` is what `os.access` answers (an ACL or a read-only mount can say no).  Uid 0 is root,
    whom the bits do not bind, so a file root made for an owner test is given to another uid."""
    if owner and path.stat().st_uid == 0:
        os.chown(path, OTHER_UID, -1)
    info = path.stat()
    monkeypatch.setattr(os, "geteuid", lambda: info.st_uid if owner else info.st_uid + 1000)
    monkeypatch.setattr(os, "getegid", lambda: info.st_gid + 1000)
    monkeypatch.setattr(os, "getgroups", lambda: [info.st_gid] if in_group else [info.st_gid + 1001])
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: kernel)


@pytest.mark.parametrize(
    ("mode", "owner", "in_group", "allowed"),
    [
        (0o644, True, False, True),
        (0o464, False, True, True),  # group-writable only, and the user is in the group
        (0o464, False, False, False),  # ... but not in the group: the other bits say read-only
        (0o446, False, False, True),  # other-writable only, the user is neither owner nor in the group
        (0o446, False, True, False),  # ... in the group, whose bits alone apply: read-only
        (0o466, True, True, False),  # the owner's bits alone apply to the owner
    ],
    ids=["owner", "group-member", "group-not-member", "other", "other-but-in-group", "owner-not-writable"],
)
def test_the_write_bit_of_the_users_class_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int, owner: bool, in_group: bool, allowed: bool
) -> None:
    path = make(tmp_path, mode=mode)
    as_user(monkeypatch, path, owner=owner, in_group=in_group)
    assert_written_or_refused(path, allowed, rf"read-only for this user \(mode {mode:04o}\)")
    assert stat.S_IMODE(path.stat().st_mode) == mode and names(tmp_path) == ["app.py"]


def assert_written_or_refused(path: Path, allowed: bool, refusal: str) -> None:
    """Either the new text is written, or the write is refused with `refusal` and the old text stays."""
    if allowed:
        write_atomic(str(path), b"new text\n")
        assert path.read_bytes() == b"new text\n"
    else:
        with pytest.raises(WriteRefused, match=refusal):
            write_atomic(str(path), b"new text\n")
        assert path.read_bytes() == b"old text\n"


def test_what_the_kernel_refuses_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make(tmp_path, mode=0o644)
    as_user(monkeypatch, path, owner=True, in_group=True, kernel=False)
    with pytest.raises(WriteRefused, match="read-only for this user"):
        write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == b"old text\n"


@pytest.mark.parametrize(("mode", "allowed"), [(0o020, True), (0o002, True), (0o440, False)])
def test_root_writes_a_file_anyone_may_write_but_not_a_read_only_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int, allowed: bool
) -> None:
    path = make(tmp_path, mode=mode)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert_written_or_refused(path, allowed, r"read-only \(mode 0440\)")
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_fix_reports_a_read_only_file_as_an_error_line(tmp_path: Path, env: dict[str, str]) -> None:
    source = (
        "from transformers import AutoModelForSeq2SeqLM\n"
        'model = AutoModelForSeq2SeqLM.from_pretrained("openai-community/gpt2")\n'
    )
    path = make(tmp_path, data=source.encode(), mode=0o444)
    run = loadlint("check", "--fix", "app.py", env=env, cwd=tmp_path)
    expected = "app.py: cannot write the fixed file: the file is read-only (mode 0444); make it writable"
    assert expected in run.stdout + run.stderr
    assert run.returncode != 0
    assert path.read_text() == source and stat.S_IMODE(path.stat().st_mode) == 0o444


# Owner and group


@needs_root
@pytest.mark.parametrize(("uid", "gid"), [(OTHER_UID, OTHER_GID), (-1, OTHER_GID), (OTHER_UID, -1)])
def test_owner_and_group_are_kept(tmp_path: Path, uid: int, gid: int) -> None:
    path = make(tmp_path, mode=0o640)
    os.chown(path, uid, gid)
    before = path.stat()
    write_atomic(str(path), b"new text\n")
    after = path.stat()
    assert path.read_bytes() == b"new text\n"
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert stat.S_IMODE(after.st_mode) == 0o640 and names(tmp_path) == ["app.py"]


@needs_root
@pytest.mark.parametrize(
    ("uid", "gid", "reason"),
    [
        (OTHER_UID, OTHER_GID, f"the file is owned by uid {OTHER_UID} and loadlint cannot keep that owner"),
        (-1, OTHER_GID, f"the file belongs to gid {OTHER_GID} and loadlint cannot keep that group"),
    ],
)
def test_an_owner_that_cannot_be_kept_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uid: int, gid: int, reason: str
) -> None:
    path = make(tmp_path)
    os.chown(path, uid, gid)
    before = path.stat()

    def chown(*args: object, **kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", chown)
    with pytest.raises(WriteRefused) as caught:
        write_atomic(str(path), b"new text\n")
    assert caught.value.strerror.startswith(reason)
    after = path.stat()
    assert path.read_bytes() == b"old text\n" and after.st_ino == before.st_ino
    assert (after.st_uid, after.st_gid) == (before.st_uid, before.st_gid)
    assert names(tmp_path) == ["app.py"]


# Hard links


def test_every_hard_link_sees_the_new_text(tmp_path: Path) -> None:
    path = make(tmp_path, data=b"a longer old text\nthat gets shorter\n", mode=0o640)
    other = tmp_path / "other.py"
    os.link(path, other)
    inode = path.stat().st_ino
    write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == other.read_bytes() == b"new text\n"
    assert path.stat().st_ino == other.stat().st_ino == inode and path.stat().st_nlink == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert names(tmp_path) == ["app.py", "other.py"]


def test_a_read_only_hard_linked_file_is_refused(tmp_path: Path) -> None:
    path = make(tmp_path, mode=0o444)
    os.link(path, tmp_path / "other.py")
    with pytest.raises(WriteRefused):
        write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == (tmp_path / "other.py").read_bytes() == b"old text\n"


# Temporary files


def test_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    umask = os.umask(0o027)
    try:
        write_atomic(str(tmp_path / "new.py"), b"new text\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == 0o640
    assert names(tmp_path) == ["new.py"]


def test_stale_temporaries_are_swept_and_nothing_else(tmp_path: Path) -> None:
    make(tmp_path)
    dead, alive = dead_pid(), os.getpid()
    stale = [f".loadlint-{dead}-abcd1234.tmp", ".loadlint-old_1234.tmp"]
    kept = [
        f".loadlint-{alive}-abcd1234.tmp",  # a write in progress in a running process
        ".loadlint-new_1234.tmp",  # no pid, but less than an hour old
        f".loadlint-{dead}-abcd1234.tmp.bak",
        f"loadlint-{dead}-abcd1234.tmp",
        f".loadlint-{dead}-ABCD.tmp",
        ".loadlint-notes.txt",
        "notes.tmp",
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"x")
    an_hour_ago = time.time() - 3700
    os.utime(tmp_path / ".loadlint-old_1234.tmp", (an_hour_ago, an_hour_ago))
    (tmp_path / f".loadlint-{dead}-dir12345.tmp").mkdir()
    write_atomic(str(tmp_path / "app.py"), b"new text\n")
    assert names(tmp_path) == sorted(["app.py", f".loadlint-{dead}-dir12345.tmp", *kept])
    assert (tmp_path / "app.py").read_bytes() == b"new text\n"


def test_a_failed_sweep_does_not_stop_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make(tmp_path)
    (tmp_path / f".loadlint-{dead_pid()}-abcd1234.tmp").write_bytes(b"x")
    real_unlink = os.unlink

    def unlink(target: str, *args: object, **kwargs: object) -> None:
        if ".loadlint-" in os.fspath(target):
            raise PermissionError(1, "Operation not permitted")
        real_unlink(target, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == b"new text\n"


def test_an_error_while_writing_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make(tmp_path, mode=0o600)

    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == b"old text\n" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert names(tmp_path) == ["app.py"]


def test_an_interrupt_while_writing_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make(tmp_path)

    def replace(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == b"old text\n" and names(tmp_path) == ["app.py"]


KILLED_WRITER = textwrap.dedent(
    """
    import os, sys, time
    from loadlint.source import write_atomic

    def replace(*args):
        open(sys.argv[2], "w").close()
        time.sleep(120)

    os.replace = replace
    write_atomic(sys.argv[1], b"half way\\n")
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_the_temporary_of_a_killed_run_is_swept_by_the_next(tmp_path: Path) -> None:
    work, ready = tmp_path / "work", tmp_path / "ready"
    work.mkdir()
    path = make(work)
    source = str(Path(package.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path), str(ready)], env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert writer.poll() is None, writer.stderr.read().decode() if writer.stderr else ""
            assert time.monotonic() < deadline, "the writer never reached the rename"
            time.sleep(0.02)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        if writer.stderr:
            writer.stderr.close()
    leftover = [name for name in names(work) if name != "app.py"]
    assert len(leftover) == 1 and leftover[0].startswith(f".loadlint-{writer.pid}-")
    assert (work / leftover[0]).read_bytes() == b"half way\n" and path.read_bytes() == b"old text\n"
    write_atomic(str(path), b"new text\n")
    assert path.read_bytes() == b"new text\n" and names(work) == ["app.py"]


def test_a_device_or_a_pipe_is_written_to_never_replaced(tmp_path: Path) -> None:
    """`--output-file /dev/null` must not turn /dev/null into a file (as root, a rename over it would)."""
    before = os.stat(os.devnull)
    write_atomic(os.devnull, b"a report nobody reads\n")
    after = os.stat(os.devnull)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_atomic(str(fifo), b"through the pipe\n")
        assert os.read(reader, 100) == b"through the pipe\n"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
