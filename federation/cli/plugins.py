"""Mounting the commands that plugins contribute (``convergence <plugin> …``)."""

from __future__ import annotations

from typing import Any

from flask import Flask


def add_plugin_commands(app: Flask, state: Any) -> None:
    for commands in state.pm.hook.federation_cli_commands():
        for command in commands or []:
            app.cli.add_command(command)
