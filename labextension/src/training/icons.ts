import { LabIcon } from '@jupyterlab/ui-components';

/*
 * The training icons. Their fills and strokes use JupyterLab's icon class
 * `jp-icon3`, so the theme decides the actual colour.
 */

/** A training run: a falling loss curve between axes. */
export const curveIcon = new LabIcon({
  name: 'mass-ide:curve',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3z"/>
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M7 6c1.5 5 3 7.5 5.5 8.5S17 15.5 20 16"/>
</svg>`
});

/** Training: a play mark over a curve. */
export const trainIcon = new LabIcon({
  name: 'mass-ide:train',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3z"/>
  <path class="jp-icon3" fill="#616161" d="M10 5.5v9l7.5-4.5z"/>
</svg>`
});

/** Comparing runs: two curves between axes. */
export const compareIcon = new LabIcon({
  name: 'mass-ide:compare',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M3 3h2v16h16v2H3z"/>
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linecap="round" d="M7 6c2 6 5 8 13 9"/>
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linecap="round" stroke-dasharray="2 2.5" d="M7 10c3 3 6 4 13 3"/>
</svg>`
});
