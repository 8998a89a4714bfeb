"""Bundled fonts (a package so that setuptools ships the .ttf and licence files)."""
