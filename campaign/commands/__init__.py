"""CLI sub-commands: one module each, exposing a click object named ``command``."""
