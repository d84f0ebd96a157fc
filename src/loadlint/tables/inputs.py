"""What one derivation read, so that a cache can tell with a few stats whether its tables still hold.

Each source file is noted with its size and mtime as they were when it was opened (from the open
file, so an edit racing the read leaves a stale note, which only costs a re-derivation), and each
folder whose modules were listed with that list: a module added to models/auto/ changes the tables
as much as an edited one does.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

from loadlint.tables.model import TablesError

Signature = tuple[int, int]  # (size, mtime_ns): what a rewrite of the file changes, seen without reading it


def signature(status: os.stat_result) -> Signature:
    return status.st_size, status.st_mtime_ns


def _module_names(folder: Path) -> list[str]:
    return sorted(
        name.removesuffix(".py")
        for name in os.listdir(folder)
        if name.endswith(".py") and name != "__init__.py"
    )


def _is_signature(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(type(number) is int for number in value)


@dataclass
class Inputs:
    """The files a derivation read and the folders it listed, as they were then."""

    files: dict[str, Signature] = field(default_factory=dict)
    folders: dict[str, list[str]] = field(default_factory=dict)  # folder -> its module names

    def unchanged(self) -> bool:
        """Whether every file and folder is still as noted: stats and listings, nothing read or parsed."""
        try:
            return all(signature(os.stat(path)) == noted for path, noted in self.files.items()) and all(
                _module_names(Path(folder)) == names for folder, names in self.folders.items()
            )
        except OSError:  # a file or folder gone
            return False

    def to_json(self) -> dict:
        return {"files": {path: list(noted) for path, noted in self.files.items()}, "folders": self.folders}

    @classmethod
    def from_json(cls, data: object) -> Inputs:
        """The inverse of `to_json`; raises ValueError for a document of any other shape."""
        files = data.get("files") if isinstance(data, dict) else None
        folders = data.get("folders") if isinstance(data, dict) else None
        if not (
            isinstance(files, dict)
            and isinstance(folders, dict)
            and all(_is_signature(noted) for noted in files.values())
            and all(isinstance(names, list) and all(isinstance(n, str) for n in names) for names in folders.values())
        ):
            raise ValueError("not a record of derivation inputs")
        return cls({path: (noted[0], noted[1]) for path, noted in files.items()}, folders)


class SourceFiles:
    """The source files of one derivation: each parsed once, and noted in `inputs` as it is read."""

    def __init__(self) -> None:
        self.inputs = Inputs()
        self._trees: dict[Path, ast.Module] = {}

    def text(self, path: Path) -> str:
        """The file's text, unparsed (noted like a parsed one); raises TablesError when it cannot be read."""
        try:
            with open(path, "rb") as handle:
                status = os.fstat(handle.fileno())
                data = handle.read()
            text = data.decode("utf-8")
        except FileNotFoundError:
            raise TablesError(f"{path}: file not found") from None
        except (OSError, UnicodeDecodeError) as error:
            raise TablesError(f"{path}: cannot read ({error})") from None
        self.inputs.files[str(path)] = signature(status)
        return text

    def folders(self, folder: Path) -> list[str]:
        """The subfolders of `folder`, sorted; raises TablesError when it cannot be listed."""
        try:
            return sorted(entry.name for entry in os.scandir(folder) if entry.is_dir() and entry.name != "__pycache__")
        except OSError as error:
            raise TablesError(f"{folder}: cannot list ({error})") from None

    def tree(self, path: Path) -> ast.Module:
        """The parsed file; raises TablesError, naming it, when it cannot be read or is not Python."""
        if path not in self._trees:
            self._trees[path] = self._parse(path)
        return self._trees[path]

    def _parse(self, path: Path) -> ast.Module:
        try:
            with open(path, "rb") as handle:
                status = os.fstat(handle.fileno())
                data = handle.read()
            tree = ast.parse(data.decode("utf-8"), filename=str(path))
        except FileNotFoundError:
            raise TablesError(f"{path}: file not found") from None
        except (OSError, UnicodeDecodeError) as error:
            raise TablesError(f"{path}: cannot read ({error})") from None
        except SyntaxError as error:
            raise TablesError(f"{path}:{error.lineno}: not valid Python ({error.msg})") from None
        self.inputs.files[str(path)] = signature(status)
        return tree

    def module_names(self, folder: Path) -> list[str]:
        """The modules of `folder` but its `__init__`, sorted; raises TablesError when it cannot be listed."""
        try:
            names = _module_names(folder)
        except OSError as error:
            raise TablesError(f"{folder}: cannot list ({error})") from None
        self.inputs.folders[str(folder)] = names
        return names
