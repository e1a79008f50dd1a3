/* The dashboard's time arithmetic, pure and small (and so testable on its own): how long each bucket is, and where
   an event's band belongs on a chart whose points stand for whole buckets. Times are epoch seconds. */
(function (global) {
  'use strict';
  /* Hours each bucket spans (23 or 25 on clock-change days): from its start to the next one's, the last to `to`. */
  function bucketHours(buckets, to) {
    var edges = buckets.map(Date.parse).concat([Date.parse(to)]);
    return buckets.map(function (b, i) { return Math.round((edges[i + 1] - edges[i]) / 3600000); });
  }

  /* Hourly: the event's own times. Coarser: a point stands for its whole bucket and sits at the bucket's start, so
     the band covers the points of the buckets the event touches, half a step either side; drawn at its own times,
     a Sunday afternoon event would sit nearer Monday's point than Sunday's. */
  function eventSpan(startSec, endSec, bucketStarts, toSec, resolution) {
    if (resolution === 'hour') return [startSec, endSec];
    var xs = bucketStarts;
    function bucketOf(t) { var i = 0; while (i + 1 < xs.length && xs[i + 1] <= t) i++; return i; }
    var i0 = bucketOf(startSec), i1 = bucketOf(Math.max(startSec, endSec - 1));
    var stepBefore = i0 > 0 ? xs[i0] - xs[i0 - 1] : (xs.length > 1 ? xs[1] : toSec) - xs[0];
    var stepAfter = (i1 + 1 < xs.length ? xs[i1 + 1] : toSec) - xs[i1];
    return [xs[i0] - stepBefore / 2, xs[i1] + stepAfter / 2];
  }

  global.DashboardTime = {bucketHours: bucketHours, eventSpan: eventSpan};
})(window);
