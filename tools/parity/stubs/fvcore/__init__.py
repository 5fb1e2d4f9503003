"""The authors' mamba_ops imports fvcore only to count FLOPs, which the fixtures never do.
fvcore is not on the GPU machine's image; these names satisfy the import and fail if called."""
