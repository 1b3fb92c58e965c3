import { LabIcon } from '@jupyterlab/ui-components';

/*
 * The registry and serving icons, drawn with JupyterLab's icon class
 * `jp-icon3` so that the theme decides their colour.
 */

/** A registered model: a package (box) with its lid. */
export const modelIcon = new LabIcon({
  name: 'mass-ide:model',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linejoin="round" d="M12 3l8 4v10l-8 4-8-4V7z"/>
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linejoin="round" d="M4 7l8 4 8-4M12 11v10"/>
</svg>`
});

/** Testing a deployment: a flask. */
export const testIcon = new LabIcon({
  name: 'mass-ide:test',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linejoin="round" d="M9 3h6M10 3v6l-5.5 9.5A1.7 1.7 0 0 0 6 21h12a1.7 1.7 0 0 0 1.5-2.5L14 9V3"/>
  <path class="jp-icon3" fill="#616161" d="M7.5 15h9l1.6 3H5.9z"/>
</svg>`
});
