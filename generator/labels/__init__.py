"""Labels a curator teaches: decisions, the logistic probe on the map's embeddings, what is published."""
