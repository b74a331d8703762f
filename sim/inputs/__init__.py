"""What comes into the center from outside the staff's control.

``demand`` draws the customers' orders and decisions up front (common random
numbers), ``planned`` places planned work and recurring duties in time, and
``streams`` gives every random source its own seeded stream. It may import
``rules`` only.
"""
