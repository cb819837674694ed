//! docker-bake.hcl / .json loading and evaluation. (In progress.)
