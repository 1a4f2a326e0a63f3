/**
 * The page's only CSS and script, inline. The Content-Security-Policy allows exactly these two
 * by their SHA-256 hashes (page.ts), and nothing from anywhere else: no font, image or request.
 */

export const STYLE = `
:root{--fg:#1b1f24;--muted:#4a5360;--line:#c9d1d9;--bg:#fff;--soft:#f4f6f8;
--open-bg:#fde2df;--open-fg:#8c1d12;--filtered-bg:#dcf1e1;--filtered-fg:#145226;
--closed-bg:#e9edf1;--closed-fg:#323a44;--unknown-bg:#fff1c2;--unknown-fg:#6a4a00;
--pass-fg:#145226;--fail-fg:#8c1d12;--unknownr-fg:#6a4a00;--skipped-fg:#4a5360}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--fg);background:var(--bg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
main,header.top,footer{max-width:1200px;margin:0 auto;padding:0 16px}
header.top{padding-top:16px}
h1{font-size:1.55rem;margin:.3em 0}
h2{font-size:1.25rem;margin:1.6em 0 .5em;padding-top:.4em;border-top:2px solid var(--line)}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
h4{font-size:.95rem;margin:.6em 0 .3em}
p{margin:.4em 0}
a{color:#0645ad}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular","DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
code,.wrap{overflow-wrap:anywhere;word-break:break-word}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
nav.toc ul{list-style:none;padding:0;margin:.5em 0;display:flex;flex-wrap:wrap;gap:.3em 1.2em}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.5em 0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.answer{border:2px solid var(--line);border-radius:6px;padding:.6em .9em;margin:1em 0;background:var(--soft)}
.answer.bad{border-color:var(--open-fg)}
.answer.warn{border-color:#b58100}
.answer.good{border-color:var(--filtered-fg)}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.answer p.lead{font-size:1.1rem;font-weight:600}
.counts{display:flex;flex-wrap:wrap;gap:.4em;padding:0;margin:.5em 0;list-style:none}
.chip{display:inline-block;border:1px solid currentColor;border-radius:999px;padding:0 .6em;font-size:.85em;font-weight:600;white-space:nowrap}
.v{display:inline-block;border-radius:4px;padding:0 .35em;font-weight:600;white-space:nowrap}
.v-open{background:var(--open-bg);color:var(--open-fg)}
.v-filtered{background:var(--filtered-bg);color:var(--filtered-fg)}
.v-closed{background:var(--closed-bg);color:var(--closed-fg)}
.v-unknown{background:var(--unknown-bg);color:var(--unknown-fg)}
.r-pass{color:var(--pass-fg)}.r-fail{color:var(--fail-fg)}.r-unknown{color:var(--unknownr-fg)}.r-skipped{color:var(--skipped-fg)}
.s-critical{color:var(--open-fg)}.s-warn{color:var(--unknown-fg)}.s-info{color:var(--muted)}
.legend{display:flex;flex-wrap:wrap;gap:.3em 1em;padding:0;margin:.4em 0;list-style:none}
.matrix-wrap{overflow:auto;max-height:75vh;border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse}
table.matrix{width:auto;min-width:60%}
table.matrix th,table.matrix td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
table.matrix thead th{position:sticky;top:0;background:var(--soft);z-index:2;font-size:.85em}
table.matrix tbody th{position:sticky;left:0;background:var(--bg);z-index:1;font-weight:normal;min-width:11rem;max-width:24rem}
table.matrix tr.gw th{background:#fff8e6}
/* A column that sticks costs a repaint of every row on each scroll: only for matrices of a few hundred rows. */
table.matrix.many tbody th{position:static}
table.matrix td{padding:2px 4px}
a.cell{display:block;text-decoration:none;border-radius:4px;padding:1px 5px;font-size:.85em;white-space:nowrap}
a.cell:focus-visible,a.cell[aria-current=true]{outline:3px solid #0645ad;outline-offset:1px}
.zone-kind{display:block;font-weight:normal;color:var(--muted)}
.proc{color:var(--muted);font-size:.85em}
.badge{display:inline-block;font-size:.75em;font-weight:700;border:1px solid currentColor;border-radius:3px;padding:0 .3em;margin-left:.3em;white-space:nowrap}
.badge.gw{color:#7a4d00}
.badge.auto{color:var(--filtered-fg)}
.badge.manual{color:var(--muted)}
#cell-detail{border:2px solid var(--line);border-radius:6px;padding:.5em .8em;margin:.8em 0;min-height:3em}
#cell-detail:focus{outline:3px solid #0645ad}
.path{border-left:3px solid var(--line);padding:.1em .7em;margin:.5em 0}
.path ol{margin:.2em 0;padding-left:2em}
.path li{overflow-wrap:anywhere}
.where{color:var(--muted)}
.listener-paths{content-visibility:auto;contain-intrinsic-size:auto 400px}
ul.checks{list-style:none;padding:0;margin:0}
li.check{border:1px solid var(--line);border-radius:6px;padding:.4em .7em;margin:.4em 0}
li.check .head{display:flex;flex-wrap:wrap;gap:.2em .6em;align-items:baseline}
li.check .result{font-weight:700;min-width:6.5em}
.finding{border-top:1px dashed var(--line);margin-top:.4em;padding-top:.3em}
.finding ul{margin:.2em 0;padding-left:1.3em}
.cmd{display:flex;gap:.4em;align-items:flex-start;background:var(--soft);border:1px solid var(--line);border-radius:4px;padding:.3em .5em;margin:.25em 0}
.cmd pre{flex:1;min-width:0}
button.copy{display:none;font:inherit;font-size:.8em;padding:.1em .6em;border:1px solid #57606a;border-radius:4px;background:#fff;color:var(--fg);cursor:pointer}
.js button.copy{display:inline-block}
table.data{width:100%;font-size:.9em}
table.data th,table.data td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.table-wrap{overflow-x:auto}
.note{color:var(--muted)}
.statement{font-weight:600;padding:.5em .8em;border-left:4px solid #b58100;background:#fffaeb}
footer{color:var(--muted);font-size:.85em;padding-bottom:2em}
@media (max-width:600px){body{font-size:14px}dl.meta{grid-template-columns:1fr}dl.meta dt{font-weight:600}table.matrix tbody th{min-width:8rem;max-width:12rem}}
@media print{
 *{print-color-adjust:exact;-webkit-print-color-adjust:exact}
 body{font-size:10.5pt}
 main,header.top,footer{max-width:none;padding:0}
 nav.toc,#cell-detail,button.copy,.screen-only{display:none!important}
 .matrix-wrap{overflow:visible;max-height:none;border:0}
 table.matrix thead th,table.matrix tbody th{position:static}
 thead{display:table-header-group}
 tr,li.check,.path,.cmd,.finding{break-inside:avoid}
 h2,h3,h4{break-after:avoid}
 .listener-paths{content-visibility:visible}
 a{color:inherit;text-decoration:none}
 a.cell{white-space:normal}
}
`;

/**
 * Clicking a cell shows its path (a copy of the entry in "Paths, rule by rule") beside the matrix,
 * without leaving it; without the script the cell is a plain link to that entry. Copy buttons put
 * a command on the clipboard.
 */
export const SCRIPT = `(function(){
var d=document;d.documentElement.classList.add('js');
var panel=d.getElementById('cell-detail'),current=null;
function show(a){var id=a.getAttribute('href').slice(1),src=d.getElementById(id);if(!src||!panel)return false;
var copy=src.cloneNode(true);copy.removeAttribute('id');
var all=copy.querySelectorAll('[id]');for(var i=0;i<all.length;i++)all[i].removeAttribute('id');
panel.replaceChildren(copy);if(current)current.removeAttribute('aria-current');current=a;a.setAttribute('aria-current','true');
panel.focus({preventScroll:true});panel.scrollIntoView({block:'nearest'});return true}
function copyCmd(b){var code=b.parentNode.querySelector('code');if(!code)return;var text=code.textContent;
function done(){b.textContent='Copied';setTimeout(function(){b.textContent='Copy'},1500)}
function pick(){var r=d.createRange();r.selectNodeContents(code);var s=window.getSelection();s.removeAllRanges();s.addRange(r);b.textContent='Selected: press Ctrl+C'}
if(navigator.clipboard&&navigator.clipboard.writeText)navigator.clipboard.writeText(text).then(done,pick);else pick()}
d.addEventListener('click',function(e){var t=e.target;if(!(t instanceof Element))return;
var a=t.closest('a.cell');if(a&&show(a)){e.preventDefault();return}
var b=t.closest('button.copy');if(b)copyCmd(b)});
})();`;
