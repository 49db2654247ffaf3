"""The investment-policy domain: default policy package, current items, the benefits calculator, and the
editors' admin. Figures live in `portal.models.policy`; pages only render them."""
