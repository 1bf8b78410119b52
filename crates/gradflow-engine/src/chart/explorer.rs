//! The explorer's page: controls, a bar chart the browser redraws at once, and the seed's
//! printed lines, for every setting of an [`Explorer`] grid, in one self-contained piece of
//! HTML (no network). Where scripts do not run, a chart of the default setting stands in.
//!
//! The markup is a contract that tests and other pages rely on: a root with the attribute
//! `data-gradflow-explorer`; controls named `depth` (range), `width` (select), `activation`
//! (select: relu, gelu, tanh, sigmoid) and `shortcut` (checkbox, checked = with shortcut); an
//! element with the attribute `data-lines` holding exactly the `print_gradients` lines of the
//! current setting. Setting a control and dispatching `input` or `change` updates everything.

use std::fmt::Write;

use gradflow::chart::escape_html;

use super::compare;
use super::grid::grid_json;
use crate::error::Result;
use gradflow::results::Explorer;
use gradflow::settings::Shortcut;

/// The code that redraws the chart and the lines in the browser.
const SCRIPT: &str = include_str!("explorer.js");

/// The explorer as one piece of HTML for a notebook cell, a page or a slide.
pub fn explorer_html(explorer: &Explorer) -> Result<String> {
    let (depth, width, activation) = explorer
        .default_setting()
        .ok_or(gradflow::Error::EmptyExplorer)?;
    let report = |shortcut| {
        explorer
            .report(depth, width, activation, shortcut)
            .ok_or(gradflow::Error::EmptyExplorer)
    };
    let still = compare(report(Shortcut::Off)?, report(Shortcut::On)?)?;

    let mut html = String::new();
    let (min_depth, max_depth) = (
        explorer.depths()[0],
        explorer.depths()[explorer.depths().len() - 1],
    );
    let _ = write!(
        html,
        r#"<div data-gradflow-explorer class="gradflow-explorer" style="font-family: sans-serif; max-width: 1280px;">
<div data-still>
{still}
<p><em>The explorer shows depth {depth}, width {width}, {name} here. Run this cell (or trust the notebook) to change depth, width, activation and shortcut with the controls.</em></p>
</div>
<div data-live style="display: none;">
<form data-controls style="display: flex; flex-wrap: wrap; gap: 0.5em 2em; align-items: center; font-size: 18px; margin: 0 0 0.5em 0;" onsubmit="return false;">
<label>depth <input type="range" name="depth" min="{min_depth}" max="{max_depth}" step="1" value="{depth}" style="width: 16em; vertical-align: middle;"> <output data-depth>{depth}</output></label>
<label>width <select name="width" style="font: inherit;">{widths}</select></label>
<label>activation <select name="activation" style="font: inherit;">{activations}</select></label>
<label><input type="checkbox" name="shortcut"> with shortcut</label>
</form>
<div data-chart></div>
<pre data-lines style="font-size: 15px; margin: 0.5em 0 0 0; max-height: 14em; overflow-y: auto;"></pre>
</div>
<script type="application/json" data-grid>{grid}</script>
<script>{script}</script>
</div>"#,
        still = still.to_html(),
        name = activation.module_name(),
        widths = options(explorer.widths().iter().map(|w| (
            w.to_string(),
            w.to_string(),
            *w == width
        ))),
        activations = options(explorer.activations().iter().map(|a| (
            a.name().to_owned(),
            a.module_name().to_owned(),
            *a == activation
        ))),
        grid = grid_json(explorer),
        script = SCRIPT,
    );
    Ok(html)
}

/// A page of its own holding the explorer, for a lecture without Jupyter.
pub fn explorer_page(explorer: &Explorer) -> Result<String> {
    Ok(format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>gradflow: shortcut connections explorer</title>\n</head>\n\
             <body style=\"margin: 2em;\">\n<h1 style=\"font-family: sans-serif;\">Why deep networks need shortcut connections</h1>\n{}\n</body>\n</html>\n",
            explorer_html(explorer)?
        ))
}

/// `<option>`s from (value, label, selected).
fn options(items: impl Iterator<Item = (String, String, bool)>) -> String {
    items
        .map(|(value, label, selected)| {
            let selected = if selected { " selected" } else { "" };
            format!(
                r#"<option value="{}"{selected}>{}</option>"#,
                escape_html(&value),
                escape_html(&label)
            )
        })
        .collect()
}
