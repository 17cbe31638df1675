"""The benchmark DAG in Luigi (bench:engine runs it when `import luigi` works): N leaves,
leaf i writes "i\n" to leaves/leaf_%06d.txt, one aggregate sums them into aggregate.txt.
Usage: python3 engine-luigi.py N OUT WORKERS. Prints one JSON line: {ran, sum, maxRssMB}."""
import json
import os
import resource
import sys

import luigi

RAN = []


class Leaf(luigi.Task):
    i = luigi.IntParameter()
    out = luigi.Parameter()

    def output(self):
        return luigi.LocalTarget(os.path.join(self.out, "leaves", "leaf_%06d.txt" % self.i))

    def run(self):
        with self.output().open("w") as f:
            f.write("%d\n" % self.i)


class Aggregate(luigi.Task):
    n = luigi.IntParameter()
    out = luigi.Parameter()

    def requires(self):
        return [Leaf(i=i, out=self.out) for i in range(self.n)]

    def output(self):
        return luigi.LocalTarget(os.path.join(self.out, "aggregate.txt"))

    def run(self):
        total = 0
        for target in self.input():
            with target.open("r") as f:
                total += int(f.read())
        with self.output().open("w") as f:
            f.write("%d\n" % total)


@luigi.Task.event_handler(luigi.Event.SUCCESS)
def _count(task):
    RAN.append(task.task_id)


if __name__ == "__main__":
    n, out, workers = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    ok = luigi.build([Aggregate(n=n, out=out)], local_scheduler=True, workers=workers, log_level="WARNING")
    if not ok:
        sys.exit("luigi run failed")
    with open(os.path.join(out, "aggregate.txt")) as f:
        total = int(f.read())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(json.dumps({"ran": len(RAN), "sum": total, "maxRssMB": rss}))
