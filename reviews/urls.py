from django.urls import path
from django.views.generic import RedirectView

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reviews:queue", permanent=False)),
    path("queue/", views.queue, name="queue"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
]
