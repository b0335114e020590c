"""One auth layer for every service: network tokens, principals, role and scope checks."""
