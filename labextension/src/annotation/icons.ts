import { LabIcon } from '@jupyterlab/ui-components';

/*
 * The painting tools' icons. Their fills use JupyterLab's `jp-icon3` class,
 * so the theme decides the colour.
 */

/** A round brush. */
export const brushIcon = new LabIcon({
  name: 'mass-ide:brush',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M20.7 4.1a1.5 1.5 0 0 0-2.1 0l-8.9 8.9 2.1 2.1 8.9-8.9a1.5 1.5 0 0 0 0-2.1zM7.5 14.3c-1.7 0-3 1.3-3 3 0 1.3-1.2 2-2 2 .9 1.2 2.5 2 4 2 2.2 0 4-1.8 4-4 0-1.7-1.3-3-3-3z"/>
</svg>`
});

/** An eraser block. */
export const eraserIcon = new LabIcon({
  name: 'mass-ide:eraser',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M15.1 3.6a2 2 0 0 1 2.8 0l3.5 3.5a2 2 0 0 1 0 2.8L12.3 19H20v2H8.6l-5-5a2 2 0 0 1 0-2.8zM5 15.3 9.5 19h.1l3-3-4.9-4.9L5 14.7z"/>
</svg>`
});

/** A paint bucket: flood fill. */
export const fillIcon = new LabIcon({
  name: 'mass-ide:fill',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M16.6 8.9 7.7 0 6.3 1.4l2.4 2.4-5.2 5.1a1.5 1.5 0 0 0 0 2.1l5.5 5.5a1.5 1.5 0 0 0 2.1 0l5.5-5.5a1.5 1.5 0 0 0 0-2.1zM5.2 10 10 5.2l4.8 4.8zM19 11.5s-2 2.2-2 3.5a2 2 0 0 0 4 0c0-1.3-2-3.5-2-3.5zM2 20h20v4H2z"/>
</svg>`
});
