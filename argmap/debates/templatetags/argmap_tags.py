from django import template

from argmap.debates.search import highlighted

register = template.Library()

register.filter("highlighted", highlighted)
