"""A command group that builds a subcommand only when it is asked for.

typer turns every registered command into a click command before anything runs: it reads each
function's signature and evaluates its annotations, about 20 ms of CPU for this tool's commands and
groups, and imports every command module. A consult needs one of them. Here the root group holds a
builder per name instead; the command that runs is built (and its module imported) when click
looks it up, and `--help`, which lists them all, builds them all, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from typing import Any, ClassVar

from typer import _click as click  # typer carries its own copy of click
from typer.core import TyperGroup

Builder = Callable[[], click.Command]


class LazyCommands(MutableMapping[str, click.Command]):
    """The subcommands by name, in the order given; each built by its builder at first use."""

    def __init__(self, builders: Mapping[str, Builder]) -> None:
        self._builders = dict(builders)
        self._built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        built = self._built.get(name)
        if built is None:  # a name that is no command is a KeyError: click's "no such command"
            built = self._built[name] = self._builders[name]()
        return built

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._built[name] = command
        self._builders.setdefault(name, lambda: command)

    def __delitem__(self, name: str) -> None:
        del self._builders[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def __contains__(self, name: object) -> bool:
        return name in self._builders  # without building it


class LazyGroup(TyperGroup):
    """typer's group, with `BUILDERS` as its subcommands, built when looked up (`LazyCommands`).

    A subclass names its builders; typer makes the group itself (`typer.Typer(cls=...)`), so the
    root's options, callback and help are typer's as before.
    """

    BUILDERS: ClassVar[Mapping[str, Builder]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        commands = LazyCommands(self.BUILDERS)
        for name, command in self.commands.items():  # any registered the ordinary way
            commands[name] = command
        self.commands = commands
