#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""scripts/junit-count.py JUNIT.xml: `PASSED FAILED SKIPPED` of a pytest
run, one verdict per test: a test whose call and teardown both failed
counts as one failure."""
import sys
import xml.etree.ElementTree as ET

verdict = {}
for tc in ET.parse(sys.argv[1]).iter("testcase"):
    key = (tc.get("classname"), tc.get("name"))
    tags = {c.tag for c in tc}
    v = "f" if tags & {"failure", "error"} else "s" if "skipped" in tags else "p"
    old = verdict.get(key)
    verdict[key] = "f" if "f" in (v, old) else v if old in (None, "p") else old
vs = list(verdict.values())
print(vs.count("p"), vs.count("f"), vs.count("s"))
