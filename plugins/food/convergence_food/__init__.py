"""Convergence's food plugin: producers, season contracts and baskets with solidarity
prices, distributions and their rota, a solidarity pot, land for new farmers."""
