"""gmmexact: exact, certified EM steps for Gaussian mixture models."""
