from rest_framework.routers import DefaultRouter

from reviews.api import views

router = DefaultRouter(trailing_slash=True)
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns = router.urls
