"""Icons drawn as inline SVG masks in CSS, so they render on every system.

Emoji (📄 ⚠️ ✓ …) depend on the fonts of the machine that shows the page: Debian's Chromium without an
emoji font draws them as empty boxes. Each icon here is a small SVG path used as a CSS mask over
`currentColor`, so it takes the colour of the text around it and needs no font. Markup is a plain
`<span class="rag-ico rag-ico-NAME">`, which survives the chat's HTML sanitiser.
"""
from __future__ import annotations

from urllib.parse import quote

# 24×24 stroke paths (drawn with round caps, width 2): simple shapes in the style of common icon sets.
_PATHS = {
    "check": '<path d="M4.5 12.5l5 5L19.5 7"/>',
    "cross": '<path d="M6 6l12 12M18 6L6 18"/>',
    "equal": '<path d="M5 9h14M5 15h14"/>',
    "warn": '<path d="M12 3.5L2.5 20h19z"/><path d="M12 10v4.5M12 17.2v.3"/>',
    "info": '<circle cx="12" cy="12" r="9"/><path d="M12 11v6M12 7.6v.3"/>',
    "search": '<circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5L21 21"/>',
    "doc": '<path d="M6 2.5h8l4.5 4.5v14.5H6z"/><path d="M14 2.5V7h4.5M9 12h6M9 16h6"/>',
    "sources": '<path d="M4 5.5h16M4 10.5h16M4 15.5h10M4 20.5h7"/>',
    "section": '<path d="M5 6h14M5 12h10M5 18h6"/>',
    "page": '<rect x="4.5" y="2.5" width="15" height="19" rx="1.5"/><path d="M8 8h8M8 12h8"/><path d="M8 16h5" stroke-width="3.5"/>',
    "context": '<path d="M5 5h14M5 9.5h14" stroke-opacity=".45"/><path d="M5 14h14" stroke-width="3"/><path d="M5 19h10" stroke-opacity=".45"/>',
    "table": '<rect x="3" y="4.5" width="18" height="15" rx="1.5"/><path d="M3 9.5h18M3 14.5h18M10 4.5v15"/>',
    "chip": '<rect x="6" y="6" width="12" height="12" rx="2"/><path d="M10 2.5v3.5M14 2.5v3.5M10 18v3.5M14 18v3.5M2.5 10H6M2.5 14H6M18 10h3.5M18 14h3.5"/>',
    "stack": '<path d="M12 3l9 4.5-9 4.5-9-4.5z"/><path d="M3 12l9 4.5 9-4.5M3 16.5L12 21l9-4.5"/>',
    "open": '<path d="M14 4h6v6M20 4l-9 9"/><path d="M18 14v5.5H4.5V6H10"/>',
}


def _data_uri(body: str) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="black" '
        f'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">{body}</svg>'
    )
    return "data:image/svg+xml," + quote(svg, safe="")


def icon(name: str, label: str = "") -> str:
    """An inline icon; with `label` it is announced to screen readers, otherwise hidden from them."""
    if name not in _PATHS:
        raise KeyError(f"unknown icon {name!r}")
    aria = f' role="img" aria-label="{label}"' if label else ' aria-hidden="true"'
    return f'<span class="rag-ico rag-ico-{name}"{aria}></span>'


ICON_CSS = (
    ".rag-ico { display: inline-block; width: 1.05em; height: 1.05em; vertical-align: -0.17em; flex: none;"
    " background-color: currentColor; -webkit-mask: var(--rag-ico) center / contain no-repeat;"
    " mask: var(--rag-ico) center / contain no-repeat; margin-right: .25em; }\n"
    + "\n".join(f'.rag-ico-{name} {{ --rag-ico: url("{_data_uri(body)}"); }}' for name, body in _PATHS.items())
    + "\n"
)

NAMES = tuple(_PATHS)
