"""The repository tabs (Models, Datasets, Spaces) as an ARIA tablist: click, arrow keys, Home, End."""

from __future__ import annotations

from .dom import on, q

KEYS = ("ArrowLeft", "ArrowRight", "Home", "End")


def target_tab(order: list[str], current: str, key: str) -> str | None:
    """The tab a key moves to from ``current``; None when the key is not for the tablist."""
    if key not in KEYS or current not in order:
        return None
    i = order.index(current)
    return {"ArrowLeft": order[i - 1], "ArrowRight": order[(i + 1) % len(order)],
            "Home": order[0], "End": order[-1]}[key]


class Tabs:
    def __init__(self, names) -> None:
        self.order = list(names)
        for name in self.order:
            on(q(f"#tab-{name}"), "click", lambda evt, n=name: self.select(n))
            on(q(f"#tab-{name}"), "keydown", self.keydown)

    def select(self, tab: str) -> None:
        for name in self.order:
            selected = name == tab
            button = q(f"#tab-{name}")
            button.setAttribute("aria-selected", "true" if selected else "false")
            button.tabIndex = 0 if selected else -1
            q(f"#panel-{name}").hidden = not selected

    def keydown(self, evt) -> None:
        target = target_tab(self.order, evt.target.dataset.kind, evt.key)
        if target is None:
            return
        evt.preventDefault()
        self.select(target)
        q(f"#tab-{target}").focus()
