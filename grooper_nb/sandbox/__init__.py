"""The embedded Microsoft 365 sandbox tenant (server side).

A real local service that impersonates ``login.microsoftonline.com`` (and later Graph, EWS and
SharePoint) over HTTPS, reached through a CONNECT proxy and a CA bundle. See ``python -m
grooper_nb.sandbox --help`` and docs/sandbox.md.

This package never imports the client side of grooper_nb (``auth``, ``tokens``, clients, widgets).
"""
