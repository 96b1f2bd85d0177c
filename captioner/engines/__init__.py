"""Recognition engines: audio chunks in, turn updates out (no Qt).

``offline/`` and ``assemblyai/`` are one package per engine and never import
each other; ``base`` (the interface), ``call_labels`` (call-mode naming) and
``registry`` (every engine declared once) sit beside them.
"""
