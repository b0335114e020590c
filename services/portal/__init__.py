"""The portal: the network in a browser, for its members (a backend-for-frontend)."""
