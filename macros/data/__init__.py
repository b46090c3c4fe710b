"""Stage 1, the data: read sop_data/ and local/ with positions (yamlpos), refusing links and special
files (safe_files), check them against their schemas and each other (validate, colours), merge the
Trust layer (trust_layer/), and build the one model every page and PDF reads (model, adoption).
Errors are Problem values (problems) until the edge.
"""
