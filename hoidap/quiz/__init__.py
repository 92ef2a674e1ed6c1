"""Knowledge checks generated from the documents: items (model), their generation, the bank, and checks taken."""
