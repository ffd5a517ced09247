"""How kmsearch scales: build, segmentation ceiling, one-document updates,
query latency, memory and index size at 1 000, 10 000 and 50 000 documents,
beside a plain Whoosh + PyThaiNLP newmm baseline measured in the same run.

    make bench                                    # = .venv/bin/python -m benchmarks.scale
    .venv/bin/python -m benchmarks.scale --quick  # 1 000 documents only
    .venv/bin/python -m benchmarks.scale --sizes 1000,10000 --skip baseline

The machine is shared and noisy: every figure is also given as a ratio to a
baseline measured in the same run (the plain Whoosh system, or the
segmentation ceiling).  Results per size are kept in benchmarks/out/scale-N.json
after every phase; a run that is stopped resumes where it was, as long as the
code under test and the corpus are unchanged (--fresh starts over).
Everything is written under benchmarks/out/ (git-ignored) except the plot,
benchmarks/scale.svg.

One job a module: ``cli`` (options, every size in turn, the outputs),
``run`` (the phases of one size, saved and resumed), ``ceiling``,
``serving`` and ``incremental`` (the phases run in this process),
``jobs`` with ``builds``, ``searches`` and ``bounds`` (the phases run in a
child process, ``python -m benchmarks.scale.jobs``), ``measure`` (process
memory and CPU from /proc, ``run_child``), ``profiles``, ``summary``
(figures, targets, growth), ``table`` (the printed report) and ``plot``
(the SVG).  The server is started by ``tests.servers.launch``, as the
tests start it.
"""
