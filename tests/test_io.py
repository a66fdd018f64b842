"""gymlib.io: a new name is taken in one step, so two writers of the same second never share it."""

from __future__ import annotations

import pathlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest


def test_a_file_written_after_the_last_look_is_not_replaced(tmp_path: Path, monkeypatch) -> None:
    """Another process saves the same name between this writer's look and its rename: the
    other's file stays and this writer is told, where a look then a rename replaced it."""
    from gymlib.io import write_bytes_atomic

    target = tmp_path / "video.webm"
    real_exists = pathlib.Path.exists

    def looks_free(self: Path, *a, **k) -> bool:  # every look happened before the other wrote
        if self == target:
            return False
        return real_exists(self, *a, **k)

    target.write_bytes(b"the other writer's video")
    monkeypatch.setattr(pathlib.Path, "exists", looks_free)
    with pytest.raises(FileExistsError, match="video.webm appeared while writing"):
        write_bytes_atomic(target, b"this writer's video", overwrite=False)
    monkeypatch.undo()
    assert target.read_bytes() == b"the other writer's video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.webm"]  # no temporary left


def test_two_saves_of_a_session_video_at_once_keep_both(tmp_path: Path) -> None:
    from gymlib.recording import add_video, save_session
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 2, seed=1, view="front")
    session = save_session(tmp_path, clip.timestamps, clip.landmarks, fps=clip.fps)
    parts = [f"part {i}".encode() * 1000 for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        paths = list(pool.map(lambda data: add_video(session, data), parts))
    assert len(set(paths)) == len(parts)
    assert sorted(p.read_bytes() for p in paths) == sorted(parts)


def test_fresh_folders_asked_at_once_are_each_their_own(tmp_path: Path) -> None:
    from gymlib.io import fresh_folder

    with ThreadPoolExecutor(8) as pool:
        folders = list(pool.map(lambda _: fresh_folder(tmp_path / "runs", ""), range(32)))
    assert len(set(folders)) == 32 and all(f.is_dir() for f in folders)


def test_clips_saved_at_once_get_names_of_their_own(tmp_path: Path) -> None:
    from gymlib.widgets.recorder import save_clip

    clips = [f"clip {i}".encode() for i in range(12)]
    with ThreadPoolExecutor(6) as pool:
        paths = list(pool.map(lambda data: save_clip(data, "squat", tmp_path), clips))
    assert len(set(paths)) == 12
    assert sorted(p.read_bytes() for p in paths) == sorted(clips)


def test_a_folder_that_cannot_be_made_raises_and_does_not_loop(tmp_path: Path) -> None:
    """A review's: a file or a link to nothing where the folder goes raised FileExistsError,
    and the next-name loops took it for a taken name and retried for ever."""
    import signal

    from gymlib.io import fresh_folder
    from gymlib.widgets.recorder import save_clip

    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "squat").write_text("a file where the exercise's folder goes")
    (tmp_path / "runs").symlink_to(tmp_path / "gone")
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("looped"))
    signal.alarm(10)
    try:
        with pytest.raises(FileExistsError):
            save_clip(b"clip", "squat", tmp_path / "clips")
        with pytest.raises(FileExistsError):
            fresh_folder(tmp_path / "runs", "")
    finally:
        signal.alarm(0)
    # a link to nothing at the fresh name itself is a name taken: the next one is used
    (tmp_path / "ok").mkdir()
    first = fresh_folder(tmp_path / "ok", "")
    first.rmdir()
    first.symlink_to(tmp_path / "nowhere")
    assert fresh_folder(tmp_path / "ok", "") != first


def test_write_bytes_new_takes_the_first_free_name_and_names_what_cannot_be_mended(
    tmp_path: Path,
) -> None:
    """The one next-name loop the clip recorder and a session's video share: a taken name (a
    file, or a link to nothing) is passed over and left as it was; a folder that cannot be made
    raises at once, where a loop over names would spin for ever; names that run out say so."""
    from gymlib.io import write_bytes_new

    (tmp_path / "a.bin").write_bytes(b"old")
    (tmp_path / "b.bin").symlink_to(tmp_path / "nothing-here")
    names = [tmp_path / n for n in ("a.bin", "b.bin", "c.bin", "d.bin")]
    assert write_bytes_new(names, b"new") == tmp_path / "c.bin"
    assert (tmp_path / "a.bin").read_bytes() == b"old"
    assert (tmp_path / "c.bin").read_bytes() == b"new"
    assert (tmp_path / "b.bin").is_symlink() and not (tmp_path / "nothing-here").exists()
    (tmp_path / "plain").write_bytes(b"a file where a folder should be")
    endless = (tmp_path / "plain" / f"clip-{k}.webm" for k in range(10**9))
    with pytest.raises(FileExistsError):
        write_bytes_new(endless, b"clip")
    with pytest.raises(FileExistsError, match="every name offered is taken"):
        write_bytes_new(names[:2], b"new")
