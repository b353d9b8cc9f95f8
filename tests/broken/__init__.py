"""Broken (not hostile) submissions: what students really upload (see ``cases.py``)."""
