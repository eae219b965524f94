"""The rasa-sdk action server: thin adapters that read the tracker, call ``bot`` and return events.

Modules by concern: ``knowledge`` (free questions), ``intake`` (the form and corrections),
``advice`` (advice, evidence, overview). The heavy objects (knowledge retriever, conclusion engine)
live in ``actions.services`` and are built when the action server loads this package, so the first
owner's first message does not wait seconds for them.
"""

from actions import services  # noqa: E402

services.warm_up()
