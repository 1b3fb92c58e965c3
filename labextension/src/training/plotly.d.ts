/** The basic Plotly bundle (scatter, bar and pie traces) has the API of `plotly.js`. */
declare module 'plotly.js-basic-dist-min' {
  import * as Plotly from 'plotly.js';
  export = Plotly;
}
