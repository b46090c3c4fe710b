"""Stage 1, the data: read sop_data/ and local/ with positions (yamlpos), check them against their
schemas and each other (validate), merge the Trust layer (trust_layer/), and build the one model
every page and PDF reads (model). Errors are Problem values (problems) until the edge.
"""
