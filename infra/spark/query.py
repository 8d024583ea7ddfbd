"""Runs SQL through one local SparkSession with Hive support, against the stack's metastore and S3.

Reads a request on stdin and writes exactly one JSON object on stdout (Spark's own output goes to stderr):

    {"queries": [{"name": "n", "sql": "select ...", "kind": "rows" | "plan" | "files"}]}
 -> {"results": {"n": {"kind": "rows", "columns": ["a"], "rows": [[1]]}}}             exit 0
 -> {"error": "...", "query": "n"}                                                     exit 1

kinds:
  rows   (default) runs the query; structs come back as objects, arrays as lists, decimals as strings,
         dates and timestamps as ISO strings, binary as base64
  plan   the executed physical plan, as Spark prints it (shows pushed and partition filters)
  files  the data files the query's table scans read, sorted: for a Hive SerDe scan, the files in the
         partitions left after pruning; for a file-source scan (e.g. Parquet converted by Spark), its
         pruned file index. This is how a test proves partition pruning.

Settings: SPARK_SETTINGS, a JSON object of Spark properties (infra/spark-conf.ts, the same ones
`npm run -s spark-conf` prints for users; test/support/spark.ts passes them), on top of this script's own
for a throw-away local session.
"""

import base64
import datetime
import decimal
import json
import os
import shutil
import sys
import tempfile
import traceback

KINDS = ("rows", "plan", "files")

def main() -> int:
    # The JVM that pyspark starts inherits fd 1; keep the real stdout for our one JSON object only.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    current = None
    workdir = tempfile.mkdtemp(prefix="lake-spark-")
    spark = None
    try:
        request = json.load(sys.stdin)
        queries = parse_request(request)
        os.chdir(workdir)  # derby.log, spark-warehouse and the like stay out of the caller's folder
        spark = start_session(workdir)
        results = {}
        for q in queries:
            current = q["name"]
            results[q["name"]] = run(spark, q)
        current = None
        out.write(json.dumps({"results": results}))
        return 0
    except Exception as e:  # noqa: BLE001 - every failure becomes the one error object
        traceback.print_exc(file=sys.stderr)
        error = {"error": describe(e)}
        if current is not None:
            error["query"] = current
        out.write(json.dumps(error))
        return 1
    finally:
        out.flush()
        if spark is not None:
            try:
                spark.stop()
            except Exception:  # noqa: BLE001
                pass
        shutil.rmtree(workdir, ignore_errors=True)


def parse_request(request):
    if not isinstance(request, dict) or not isinstance(request.get("queries"), list):
        raise ValueError('the request must be {"queries": [{"name": ..., "sql": ...}]}')
    seen = set()
    for i, q in enumerate(request["queries"]):
        if not isinstance(q, dict) or not isinstance(q.get("name"), str) or not isinstance(q.get("sql"), str):
            raise ValueError(f"queries[{i}] must have a string name and sql")
        q.setdefault("kind", "rows")
        if q["kind"] not in KINDS:
            raise ValueError(f"queries[{i}] ({q['name']}): kind must be one of {', '.join(KINDS)}")
        if q["name"] in seen:
            raise ValueError(f"queries[{i}]: the name {q['name']!r} is used twice")
        seen.add(q["name"])
    return request["queries"]


def env(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise ValueError(f"{name} is not set (test/support/spark.ts passes it, from infra/spark-conf.ts)")
    return value


def start_session(workdir):
    from pyspark.sql import SparkSession

    # The JVM pyspark starts reads these: scratch files in our temp folder, the driver on loopback only.
    os.environ["SPARK_LOCAL_DIRS"] = os.path.join(workdir, "local")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    settings = json.loads(env("SPARK_SETTINGS"))
    builder = (
        SparkSession.builder.appName("lake-catalog-proof")
        .master(os.environ.get("SPARK_MASTER", "local[2]"))
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "768m"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.warehouse.dir", os.path.join(workdir, "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={workdir} -Djava.io.tmpdir={workdir}")
        # the Hive client's session folders, which default to /tmp
        .config("spark.hadoop.hive.exec.scratchdir", os.path.join(workdir, "hive-scratch"))
        .config("spark.hadoop.hive.exec.local.scratchdir", os.path.join(workdir, "hive-local"))
        .config("spark.hadoop.hive.downloaded.resources.dir", os.path.join(workdir, "hive-resources"))
        # fail fast when the stack is down instead of retrying for minutes
        .config("spark.hadoop.fs.s3a.attempts.maximum", "2")
        .config("spark.hadoop.fs.s3a.retry.limit", "2")
        .config("spark.hadoop.fs.s3a.connection.establish.timeout", "15s")  # S3A's minimum
        .enableHiveSupport()
    )
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def run(spark, q):
    df = spark.sql(q["sql"])
    if q["kind"] == "plan":
        return {"kind": "plan", "plan": executed_plan(df).toString()}
    if q["kind"] == "files":
        return {"kind": "files", "files": scanned_files(spark, df)}
    return {
        "kind": "rows",
        "columns": df.columns,
        "rows": [[to_json(v) for v in row] for row in df.collect()],
    }


def executed_plan(df):
    plan = df._jdf.queryExecution().executedPlan()
    # With adaptive execution the scans sit under AdaptiveSparkPlanExec; its initial plan holds them.
    if plan.getClass().getSimpleName() == "AdaptiveSparkPlanExec":
        plan = plan.initialPlan()
    return plan


def leaves(plan):
    found = []
    stack = [plan]
    while stack:
        node = stack.pop()
        children = node.children()
        if children.isEmpty():
            found.append(node)
        else:
            it = children.iterator()
            while it.hasNext():
                stack.append(it.next())
    return found


def scanned_files(spark, df):
    """The data files the scans of the query read: what pruning left, not what rows survived filters."""
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    files = set()
    other_scans = False
    for leaf in leaves(executed_plan(df)):
        name = leaf.getClass().getSimpleName()
        if name == "HiveTableScanExec":
            relation = leaf.relation()
            if relation.isPartitioned():
                # the partitions the scan hands to Hive's input format ("exposed for tests" in Spark)
                locations = [p.getDataLocation() for p in scala_list(leaf.prunedPartitions())]
            else:
                locations = [jvm.org.apache.hadoop.fs.Path(relation.tableMeta().location())]
            for location in locations:
                files.update(list_data_files(jvm, conf, location))
        elif name.endswith("ScanExec") or name.startswith("Scan"):
            other_scans = True
    if other_scans:
        files.update(df.inputFiles())
    return sorted(files)


def list_data_files(jvm, conf, path):
    """Files under path as Hadoop input formats see them: recursive, skipping names starting with _ or ."""
    fs = path.getFileSystem(conf)
    if not fs.exists(path):
        return []
    found = []
    it = fs.listFiles(path, True)
    while it.hasNext():
        status = it.next()
        p = status.getPath()
        rel = str(p.toUri().getPath())[len(str(path.toUri().getPath())):]
        if not any(part.startswith(("_", ".")) for part in rel.split("/") if part):
            found.append(p.toString())
    return found


def scala_list(seq):
    it = seq.iterator()
    items = []
    while it.hasNext():
        items.append(it.next())
    return items


def to_json(value):
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {k: to_json(v) for k, v in value.asDict(recursive=False).items()}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)  # JSON has no NaN or infinity
    return value


def describe(e):
    # Py4J and Spark errors carry the useful line first; the full trace went to stderr.
    lines = [line.strip() for line in str(e).splitlines() if line.strip()]
    return f"{type(e).__name__}: {' | '.join(lines[:4])}"[:2000]


if __name__ == "__main__":
    sys.exit(main())
