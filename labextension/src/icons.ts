import { LabIcon } from '@jupyterlab/ui-components';

/** The Mass IDE mark: a cross in a rounded square. */
export const massIcon = new LabIcon({
  name: 'mass-ide:mass',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M5 2h14a3 3 0 0 1 3 3v14a3 3 0 0 1-3 3H5a3 3 0 0 1-3-3V5a3 3 0 0 1 3-3zm0 2a1 1 0 0 0-1 1v14a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1V5a1 1 0 0 0-1-1z"/>
    <path d="M10 6h4v4h4v4h-4v4h-4v-4H6v-4h4z"/>
  </g></svg>`
});

/** Liver function (lab values): a test tube. */
export const labValuesIcon = new LabIcon({
  name: 'mass-ide:lab-values',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon-brand0" fill="#C2185B">
    <path d="M8 2h8v2h-1v13a3 3 0 0 1-6 0V4H8zm3 2v6h2V4z"/>
    <rect x="4" y="20" width="16" height="2" rx="1"/>
  </g></svg>`
});

/** Liver segmentation (CT volumes): stacked slices with a painted region. */
export const ctIcon = new LabIcon({
  name: 'mass-ide:ct',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon-brand2" fill="#7B1FA2">
    <path d="M7 2h13a2 2 0 0 1 2 2v13h-2V4H7z" opacity=".5"/>
    <path d="M4 5h13a2 2 0 0 1 2 2v13a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2zm0 2v13h13V7z"/>
    <path d="M6 12c1-3 5-4 8-2 1 1 1 4-1 5-2 2-6 2-7-1z"/>
  </g></svg>`
});

/** Cancer prediction (images): a picture with a marked spot. */
export const imageIcon = new LabIcon({
  name: 'mass-ide:image',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <g class="jp-icon-brand1" fill="#1976D2">
    <path d="M4 3h16a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm0 2v14h16V5z"/>
    <circle cx="12" cy="12" r="3"/>
    <path d="M12 6.5a5.5 5.5 0 1 1 0 11 5.5 5.5 0 0 1 0-11zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8z" opacity=".6"/>
  </g></svg>`
});

/** The icon of a template, by its data modality. */
export function templateIcon(modality: string | undefined): LabIcon {
  switch (modality) {
    case 'tabular':
      return labValuesIcon;
    case 'ct':
      return ctIcon;
    case 'image':
      return imageIcon;
    default:
      return massIcon;
  }
}
