"""A printable A4 sheet of asset labels: QR code of the asset code, name and room (segno + WeasyPrint)."""

import base64
import html

import segno

LABEL_CSS = """
@page { size: A4; margin: 8mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; margin: 0; }
.sheet { display: flex; flex-wrap: wrap; }
.label { box-sizing: border-box; width: 64mm; height: 33.9mm; padding: 2mm; border: 0.2mm dashed #999;
         display: flex; align-items: center; gap: 2mm; overflow: hidden; page-break-inside: avoid; }
.label img { width: 27mm; height: 27mm; }
.text { font-size: 8pt; line-height: 1.3; }
.school { font-size: 7pt; color: #444; }
.code { font-family: monospace; font-size: 8pt; font-weight: bold; }
.name { font-size: 9pt; font-weight: bold; }
"""


def qr_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=4, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def label_sheet_html(assets, *, school) -> str:
    esc = html.escape
    cells = []
    for a in assets:
        room = a.room.name if a.room_id else ""
        cells.append(
            f'<div class="label"><img src="{qr_data_uri(a.code)}" alt="">'
            f'<div class="text"><div class="school">{esc(school.name)} 固定资产</div>'
            f'<div class="name">{esc(a.name[:16])}</div><div class="code">{esc(a.code)}</div>'
            f"<div>{esc(room)}</div></div></div>"
        )
    return (
        f'<html><head><meta charset="utf-8"><style>{LABEL_CSS}</style></head>'
        f'<body><div class="sheet">{"".join(cells)}</div></body></html>'
    )


def label_sheet_pdf(assets, *, school) -> bytes:
    from weasyprint import HTML

    return HTML(string=label_sheet_html(assets, school=school)).write_pdf()
