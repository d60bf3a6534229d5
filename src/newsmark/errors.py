class NewsmarkError(Exception):
    """A problem the user can fix (bad input, a refused overwrite). The CLI prints it without a traceback."""


class ValidationFailed(NewsmarkError):
    """The corpus has errors, so nothing was built. ``report`` holds the findings."""

    def __init__(self, report):
        super().__init__(f"validation failed with {len(report.errors)} error(s); nothing was written")
        self.report = report
