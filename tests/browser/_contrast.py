"""Text contrast as the page computes it (WCAG 2 relative luminance), and JupyterLab's theme switch."""

from __future__ import annotations

from typing import Any

# Every element under ``root`` that shows text of its own (disabled controls aside): its colour (alpha
# and the opacity of its ancestors applied) over the first opaque background behind it, as a WCAG ratio.
CONTRASTS = """(root) => {
    const parse = (c) => {
        const m = c.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
        return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
    };
    const over = (top, under) => ({
        r: top.r * top.a + under.r * (1 - top.a),
        g: top.g * top.a + under.g * (1 - top.a),
        b: top.b * top.a + under.b * (1 - top.a), a: 1,
    });
    const background = (el) => {
        const layers = [];
        for (let n = el; n; n = n.parentElement) {
            const c = parse(getComputedStyle(n).backgroundColor);
            if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
        }
        let bg = { r: 255, g: 255, b: 255, a: 1 };
        for (const layer of layers.reverse()) bg = over(layer, bg);
        return bg;
    };
    const lum = (c) => {
        const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
    };
    const out = [];
    for (const el of root.querySelectorAll("*")) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        // WCAG 1.4.3 asks nothing of a disabled control's text
        if (!own || !el.getClientRects().length || el.closest(":disabled")) continue;
        if (el.closest(".jp-OutputPrompt")) continue;  // JupyterLab's own "[3]:", not the output
        const style = getComputedStyle(el);
        if (style.visibility === "hidden" || style.display === "none") continue;
        let opacity = 1;
        for (let n = el; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
        const colour = parse(style.color);
        const bg = background(el);
        const fg = over({ ...colour, a: colour.a * opacity }, bg);
        const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
        out.push({ text: el.textContent.trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05),
                   color: style.color, tag: el.tagName });
    }
    return out;
}"""


def contrasts(locator: Any) -> list[dict[str, Any]]:
    """Contrast of each piece of text shown under ``locator``."""
    return list(locator.evaluate(CONTRASTS))


def set_theme(page: Any, theme: str) -> None:
    """Switch JupyterLab to ``theme`` ("JupyterLab Light" or "JupyterLab Dark") and wait until it applies."""
    light = "true" if "Light" in theme else "false"
    page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: t })", theme)
    page.wait_for_function("(l) => document.body.dataset.jpThemeLight === l", arg=light, timeout=30_000)
    page.wait_for_timeout(500)  # the theme's stylesheet has loaded; let the page repaint
