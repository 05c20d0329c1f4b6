// The integration tests start real seed and node processes; run side by side on a 2-core machine,
// their processes measure each other's load more than the product. They run one at a time, and
// build.sh runs this assembly after the others.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
