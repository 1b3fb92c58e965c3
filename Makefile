# The two commands of the README, and the benchmarks.
.PHONY: lab test bench

lab:  ## install into .venv, seed ./mass-demo and start JupyterLab with Mass IDE
	bash scripts/lab.sh $(ARGS)

test:  ## install into .venv and run the whole test suite (browser tests included)
	bash scripts/test.sh $(ARGS)

bench:  ## run every benchmark, results in benchmarks/results/
	bash scripts/bench.sh
