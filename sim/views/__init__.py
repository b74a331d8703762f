"""Views of the rules: the org chart and the workflows as text, JSON and diagrams.

``show`` renders them as text and JSON (the CLI prints it); ``diagrams``
draws the org chart (``org_chart``) and a swimlane per workflow
(``swimlane``, laid out by ``swimlane_layout``); ``style`` holds the
figures' look and the CJK font, shared with the run report's plots. It
may import ``rules`` only.
"""
