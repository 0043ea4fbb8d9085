"""The Awex China e-commerce advisor's engine: knowledge retrieval, advice rules and the CLI.

This package imports neither Rasa nor Flask, so that the action server, the web app, the CLI
and the tests can all share it.
"""
