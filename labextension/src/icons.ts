import { LabIcon } from '@jupyterlab/ui-components';

/*
 * Small SVG icons. Their fills use JupyterLab's icon classes (`jp-icon3`,
 * `jp-icon-contrast*`), so the theme decides the actual colours.
 */

/** Corner brackets around a 24×24 picture: "a scan". */
const SCAN_CORNERS =
  'M1 1h5v1.6H2.6V6H1zM23 1h-5v1.6h3.4V6H23zM1 23h5v-1.6H2.6V18H1zM23 23h-5v-1.6h3.4V18H23z';

/** The Mass IDE mark: a heartbeat trace on a monitor. */
export const massIcon = new LabIcon({
  name: 'mass-ide:mass',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd" d="M5 2h14a3 3 0 0 1 3 3v14a3 3 0 0 1-3 3H5a3 3 0 0 1-3-3V5a3 3 0 0 1 3-3zm0 2a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1V5a1 1 0 0 0-1-1z"/>
  <path class="jp-icon3" stroke="#616161" style="fill: none" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" d="M5.5 12.5h3l1.5-4 3 8 1.5-4h4"/>
</svg>`
});

/** Liver function prediction (lab values): a flask. */
export const flaskIcon = new LabIcon({
  name: 'mass-ide:flask',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon-contrast1" fill="#43A047">
    <path opacity=".35" d="M8.5 2h7v2H14v5l6 10a2 2 0 0 1-1.7 3H5.7A2 2 0 0 1 4 19l6-10V4H8.5z"/>
    <path d="M7.4 14.5h9.2l2.5 4.2a1 1 0 0 1-.9 1.5H5.8a1 1 0 0 1-.9-1.5z"/>
    <circle cx="10" cy="11.5" r="1"/>
    <circle cx="13.2" cy="9.5" r=".8"/>
  </g></svg>`
});

/** Liver segmentation (CT volumes): a liver inside scan corners. */
export const liverIcon = new LabIcon({
  name: 'mass-ide:liver',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon-contrast2" fill="#D81B60">
    <path opacity=".55" d="${SCAN_CORNERS}"/>
    <path d="M4 10.2C4 7 6.8 5 10.6 5c3.6 0 6.9.8 9 2.4.8.6.5 1.7-.4 2-2.6 1-4.6 2.7-6.2 5-1.9 2.8-4.3 4.5-6.2 3.9C5 17.7 4 14.9 4 10.2z"/>
  </g></svg>`
});

/** Cancer prediction (images): a scan with a marked lesion. */
export const scanIcon = new LabIcon({
  name: 'mass-ide:scan',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon-contrast0" fill="#8E24AA">
    <path opacity=".55" d="${SCAN_CORNERS}"/>
    <circle cx="12" cy="12" r="6.5" opacity=".35"/>
    <path fill-rule="evenodd" d="M14 6.5a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7zm0 1.6a1.9 1.9 0 1 0 0 3.8 1.9 1.9 0 0 0 0-3.8z"/>
  </g></svg>`
});

/** The icon of a template, by its data modality. */
export function templateIcon(modality: string | undefined): LabIcon {
  switch (modality) {
    case 'tabular':
      return flaskIcon;
    case 'ct':
      return liverIcon;
    case 'image':
      return scanIcon;
    default:
      return massIcon;
  }
}
