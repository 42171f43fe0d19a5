"""The page a reviewer reads: ``report.html`` (:mod:`report.page`), drawn as inline SVG (:mod:`report.svg`)."""
