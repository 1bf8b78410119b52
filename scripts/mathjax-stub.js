// The notebooks have no formulas, so the slide decks need no MathJax; nbconvert's reveal.js
// template still calls it on every slide change. This stands in for it, offline.
window.MathJax = window.MathJax || {
  Hub: {
    Config: function () {},
    Queue: function () {},
    getAllJax: function () { return []; },
    Rerender: function () {},
  },
};
