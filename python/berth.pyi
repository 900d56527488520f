# SPDX-License-Identifier: LGPL-2.1-or-later
"""Type stubs of the `berth` extension module (python/*.c); docs/python.md."""
import os
from typing import Any, Callable, Literal, Mapping, Sequence, Union, overload

_Path = Union[str, bytes, os.PathLike[str], os.PathLike[bytes]]
_Argv = Union[str, bytes, Sequence[Union[str, bytes, os.PathLike[str]]]]
_Env = Union[Mapping[str, object], Sequence[str], None]
_State = Literal["STOPPED", "STARTING", "RUNNING", "STOPPING", "FROZEN"]

version: str
__version__: str
STOPPED: Literal["STOPPED"]
STARTING: Literal["STARTING"]
RUNNING: Literal["RUNNING"]
STOPPING: Literal["STOPPING"]
FROZEN: Literal["FROZEN"]

class Error(OSError):
    """A berth call failed: .errno, and .message as the berth command prints it."""

    errno: int
    message: str
    def __init__(self, errno: int, message: str) -> None: ...

class Container:
    """A system container: LXCPATH/NAME (lxcpath default /var/lib/berth)."""

    def __init__(self, name: str, lxcpath: _Path | None = None) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def lxcpath(self) -> str: ...
    @property
    def dir(self) -> str: ...
    @property
    def defined(self) -> bool: ...
    @property
    def state(self) -> _State: ...
    @property
    def running(self) -> bool: ...
    @property
    def init_pid(self) -> int: ...
    def create(
        self,
        template: str | None,
        args: Sequence[str] = ...,
        config: _Path | None = None,
    ) -> None: ...
    @overload
    def start(
        self, daemon: Literal[True] = True, cmd: _Argv | None = None, rcfile: _Path | None = None
    ) -> None: ...
    @overload
    def start(
        self, daemon: Literal[False], cmd: _Argv | None = None, rcfile: _Path | None = None
    ) -> int: ...
    def stop(self, timeout: int = 30, kill: bool = False) -> None: ...
    def freeze(self) -> None: ...
    def unfreeze(self) -> None: ...
    def wait(self, state: str, timeout: int = -1) -> bool: ...
    def destroy(self, force: bool = False) -> None: ...
    def attach_wait(
        self,
        argv: _Argv | None = None,
        env: _Env = None,
        uid: int | None = None,
        gid: int | None = None,
        cwd: _Path | None = None,
        keep_env: bool = False,
    ) -> int: ...
    def attach(self, func: Callable[..., object], /, *args: Any) -> int: ...
    def get_ips(self, family: str | int | None = None) -> list[str]: ...
    def info(self) -> dict[str, Any]: ...
    def get_config_item(self, key: str, /) -> str: ...
    def set_config_item(self, key: str, value: str | int, /) -> None: ...
    def save_config(self) -> Literal[True]: ...
    def get_cgroup_item(self, key: str, /) -> str: ...
    def set_cgroup_item(self, key: str, value: str | int, /) -> None: ...

@overload
def list_containers(
    lxcpath: _Path | None = None, active: bool | None = None, as_object: Literal[False] = False
) -> list[str]: ...
@overload
def list_containers(
    lxcpath: _Path | None = None, active: bool | None = None, *, as_object: Literal[True]
) -> list[Container]: ...
def execute(
    name: str | None, argv: _Argv, lxcpath: _Path | None = None, config: _Path | None = None
) -> int: ...

class _OciModule:
    """berth.oci: the OCI runtime's verbs (a module; see help(berth.oci))."""

    def create(
        self,
        id: str,
        bundle: _Path,
        root: _Path | None = None,
        pid_file: _Path | None = None,
        console_socket: _Path | None = None,
        preserve_fds: int = 0,
        no_pivot: bool = False,
        no_new_keyring: bool = False,
    ) -> None: ...
    def start(self, id: str, root: _Path | None = None) -> None: ...
    def run(
        self,
        id: str,
        bundle: _Path,
        root: _Path | None = None,
        detach: bool = False,
        keep: bool = False,
        pid_file: _Path | None = None,
    ) -> int: ...
    def state(self, id: str, root: _Path | None = None) -> dict[str, Any]: ...
    def kill(
        self, id: str, sig: str | int = "TERM", all: bool = False, root: _Path | None = None
    ) -> None: ...
    def delete(self, id: str, force: bool = False, root: _Path | None = None) -> None: ...
    def pause(self, id: str, root: _Path | None = None) -> None: ...
    def resume(self, id: str, root: _Path | None = None) -> None: ...
    def exec(
        self,
        id: str,
        argv: _Argv | None = None,
        root: _Path | None = None,
        env: _Env = None,
        cwd: _Path | None = None,
        user: str | None = None,
        tty: bool = False,
        detach: bool = False,
        process: _Path | None = None,
        caps: Sequence[str] | None = None,
        no_new_privs: bool = False,
        additional_gids: Sequence[int] | None = None,
        pid_file: _Path | None = None,
        console_socket: _Path | None = None,
        preserve_fds: int = 0,
    ) -> int: ...
    def list(self, root: _Path | None = None) -> list[dict[str, Any]]: ...
    def ps(self, id: str, root: _Path | None = None) -> list[int]: ...
    def stats(self, id: str, root: _Path | None = None) -> dict[str, Any]: ...
    def spec(self, rootless: bool = False) -> dict[str, Any]: ...
    def features(self) -> dict[str, Any]: ...

oci: _OciModule
