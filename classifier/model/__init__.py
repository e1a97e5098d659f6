"""Step 3, the model: sentence features, the page-stance model, vectors, the scikit-learn
estimator, training, and the model directory (persistence)."""
