"""What the steps run on rather than a step: child processes with time and memory limits
(isolation.py) and the state of every URL a crawl has met (crawlstate.py)."""
